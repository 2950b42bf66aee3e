"""Operations: the background worker (job leases, heartbeats) and ``urbangrid doctor``."""
