"""vybory.web"""
