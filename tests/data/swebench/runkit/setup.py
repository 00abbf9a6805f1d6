from setuptools import setup

setup(name="runkit", version="1.0", packages=["runkit"])
