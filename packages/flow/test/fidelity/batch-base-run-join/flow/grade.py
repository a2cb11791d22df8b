from promptflow.core import tool


@tool
def grade(prediction: int, groundtruth: int) -> str:
    return "Correct" if prediction == groundtruth else f"Incorrect ({prediction} != {groundtruth})"
