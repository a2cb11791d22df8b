import time

from promptflow.core import tool


@tool
def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
