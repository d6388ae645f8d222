"""Reports and figures: derivation reports, the Figure 2 report and figures, spectrum figures and notebook display (docs/notebook.md)."""
