"""Reporting: summaries, tables, the plot and page, paired comparisons, the CI check, and
trajectories printed turn by turn. Pure functions of result rows; files are the commands'."""
