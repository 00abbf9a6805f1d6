def get_version(version):
    return ".".join(str(part) for part in version)
