"""Analytics: KPIs, hotspots and risks, harassment, seat staffing, hotline merger, evaluation (issue 10)."""
