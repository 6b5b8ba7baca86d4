"""Remote account opening (e-KYC): ID-card OCR, citizen-ID check, face, card binding, decision."""
