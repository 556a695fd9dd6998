"""vybory.verify"""
