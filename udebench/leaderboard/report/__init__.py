"""The HTML report: charts and re-predicted qualitative grids around the leaderboard (matplotlib, imported lazily)."""
