/** PostgreSQL's SQLSTATE for a unique violation. */
export const UNIQUE_VIOLATION = '23505';
/** PostgreSQL's SQLSTATE when a statement waited for a lock longer than `lock_timeout`. */
export const LOCK_NOT_AVAILABLE = '55P03';

type DriverFields = { code?: unknown; constraint?: unknown };

/** The SQLSTATE of a driver or TypeORM error (or a Node socket error's code), else ''. */
export function errorCode(error: unknown): string {
  // Duck-typed rather than `instanceof Error`: socket errors are made by Node's core, which can
  // belong to another realm than the code checking them (as under jest's sandbox).
  if (typeof error !== 'object' || error === null) return '';
  const { code, driverError } = error as DriverFields & { driverError?: DriverFields };
  return String(code ?? driverError?.code ?? '');
}

/** The name of the constraint a driver or TypeORM error violated, else ''. */
export function violatedConstraint(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { constraint, driverError } = error as DriverFields & { driverError?: DriverFields };
  return String(constraint ?? driverError?.constraint ?? '');
}
