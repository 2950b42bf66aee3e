// Reference data fetched once per page load: departments, streets.
import { api } from "./api";

export interface Department {
  id: number;
  code: string;
  name: string;
  parent_id: number | null;
  is_active: boolean;
}
export interface Street {
  id: number;
  code: string;
  name: string;
}

const cache = new Map<string, Promise<unknown>>();

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (!cache.has(key)) cache.set(key, load().catch((e) => { cache.delete(key); throw e; }));
  return cache.get(key) as Promise<T>;
}

export const departments = () =>
  once("departments", () => api<Department[]>("/api/v1/org/departments"));
export const streets = () => once("streets", () => api<Street[]>("/api/v1/org/streets"));
