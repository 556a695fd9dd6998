"""vybory.scale"""
