print("number-bench: placeholder")
