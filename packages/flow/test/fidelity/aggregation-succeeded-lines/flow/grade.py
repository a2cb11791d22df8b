from promptflow.core import tool


@tool
def grade(answer: str, prediction: str) -> str:
    if prediction == "ERR":
        raise RuntimeError("model error")
    return "Correct" if answer.lower() == prediction.lower() else "Incorrect"
