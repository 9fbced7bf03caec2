"""Analytics: statistics and queueing formulas (pure Python) used by the simulator and its reports."""
