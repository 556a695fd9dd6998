"""vybory.cli"""
