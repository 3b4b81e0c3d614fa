"""Operations: the background worker and its schedule, health and metrics, `kompas doctor`,
backups, retention purges and the read-replica router."""
