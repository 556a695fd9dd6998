"""vybory.rules"""
