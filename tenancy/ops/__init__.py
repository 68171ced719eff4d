"""Operations views of the offline plan (what is monitored, alerted, backed up and enforced)."""
