"""Exchange formats with other agencies and countries (UN/CEFACT SPS certificates...)."""
