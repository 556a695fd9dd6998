"""vybory.model"""
