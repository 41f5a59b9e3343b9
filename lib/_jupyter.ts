// Access to the Deno Jupyter kernel's display function, shared by the
// charts, the notebook helpers and the progress view.

/** Options of `Deno.jupyter.display`. */
export interface DisplayOptions {
  /** Pass the bundle through as MIME data. */
  raw: boolean;
  /** Names an output area that later calls can update. */
  display_id?: string;
  /** Replace the output area named by `display_id`. */
  update?: boolean;
}

/** The display function of Deno's Jupyter kernel (`Deno.jupyter.display`). */
export type JupyterDisplay = (
  bundle: Record<string, unknown>,
  options: DisplayOptions,
) => Promise<void>;

/** `Deno.jupyter.display` when running inside the Jupyter kernel, else undefined. */
export function findJupyterDisplay(): JupyterDisplay | undefined {
  let jupyter: unknown;
  try {
    jupyter = Reflect.get(Deno, "jupyter"); // a getter that throws outside
  } catch {
    return undefined;
  }
  if (typeof jupyter !== "object" || jupyter === null) return undefined;
  const display: unknown = Reflect.get(jupyter, "display");
  return typeof display === "function"
    ? (display.bind(jupyter) as JupyterDisplay)
    : undefined;
}

/**
 * `Deno.jupyter.display`, or an Error saying that `action` needs the kernel.
 *
 * @param action What could not be done, as in "show chart".
 */
export function requireJupyterDisplay(action: string): JupyterDisplay {
  const display = findJupyterDisplay();
  if (display === undefined) {
    throw new Error(
      `Cannot ${action} as Deno.jupyter is not available: run inside the Deno Jupyter kernel`,
    );
  }
  return display;
}
