def kilometres(metres):
    return metres / 1000
