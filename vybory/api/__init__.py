"""vybory.api"""
