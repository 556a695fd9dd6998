"""vybory.service"""
