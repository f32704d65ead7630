"""Categories and products. The full catalog (SKUs, images, search) grows here."""
