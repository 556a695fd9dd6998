"""vybory.crypto"""
