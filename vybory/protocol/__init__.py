"""vybory.protocol"""
