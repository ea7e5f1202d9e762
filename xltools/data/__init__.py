"""Data shipped with the package: the real 2020 form as a JSON form (``seed_2020.json``)."""
