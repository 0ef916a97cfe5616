"""The molecule library for the forms, and 2D drawings of SMILES."""
