// Whether a CSS media query matches now, updated when it starts or stops matching.
import { useEffect, useState } from "preact/hooks";

export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setMatches(m.matches);
    on();
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, [query]);
  return matches;
}

/** A phone-sized screen: lists show cards instead of wide tables. */
export const PHONE_QUERY = "(max-width: 600px)";
