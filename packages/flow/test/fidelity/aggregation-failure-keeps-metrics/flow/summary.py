from promptflow.core import log_metric, tool


@tool
def summary(scores: list) -> int:
    log_metric("mean", sum(scores) / len(scores))
    log_metric("max", max(scores))
    return len(scores)
