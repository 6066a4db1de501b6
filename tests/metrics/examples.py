"""Hand-checked reliability data shared by the metrics tests."""

_ = None  # missing

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers
# (rows), twelve units (columns), values 1–5, missing data. Nominal α = 0.743.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
