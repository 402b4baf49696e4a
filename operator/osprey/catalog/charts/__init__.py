"""One module per OpenStack-Helm chart: its catalog entry and its values builder."""
