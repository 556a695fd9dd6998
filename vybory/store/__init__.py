"""vybory.store"""
