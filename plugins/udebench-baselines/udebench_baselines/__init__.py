"""udebench-baselines: the depth models robust-depth papers compare against, as a udebench plugin."""
