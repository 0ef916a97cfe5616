import { useEffect } from "react";

/** Name the browser tab after the page ("Jobs · Molyte"), so each page has its own title. */
export function usePageTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Molyte` : "Molyte";
  }, [title]);
}
