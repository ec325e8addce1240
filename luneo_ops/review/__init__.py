"""Reviewing a change: the offline diff of two revisions' synthesized stacks (diff.py), its monthly
cost change (cost_change.py), and the pull-request comment (plan_comment.py, standard library only:
the workflow runs it with the runner's python3)."""
