"""Knowledge base (一问一答), hybrid search, FAQ mining and the surge bot (policy 三(一))."""
