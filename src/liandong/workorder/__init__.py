"""Work orders (工单) of the 12345 platform."""
