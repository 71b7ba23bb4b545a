"""Standard exchange formats between 12345 and 110 platforms (policy 二(三)1)."""
