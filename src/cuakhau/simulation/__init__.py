"""The digital twin — mô phỏng cửa khẩu / 口岸仿真: border gates simulated under the production policies.

``engine`` is a small heapq event loop; ``queues`` the textbook M/M/c models it is validated on; ``scenario``
reads and checks scenario YAML; ``gatemodel`` runs one replication of a scenario under one policy, calling the
same allocation, call-forward, customs-channel and gate-hours code as production; ``runner`` runs replications
in parallel and summarises them with confidence intervals; ``report`` writes the HTML report.
"""
