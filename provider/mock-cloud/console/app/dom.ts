/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Small DOM helpers: elements are built from text only (textContent, attributes), never from HTML,
 * so nothing the emulator answers can become markup.
 */

import type { Tone } from "../page.ts";
import type { ConsoleConfig } from "./types.ts";

type Tones = ConsoleConfig["tones"];
type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(el, attrs);
  append(el, children);
  return el as SVGElement;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** The page's element with this id; a missing one is a bug of page.ts or of the script. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`console: no element #${id}`);
  return el as T;
}

/** The first element matching `selector` inside `root`. */
export function part<T extends Element = HTMLElement>(root: Element, selector: string): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`console: no ${selector} in #${root.id}`);
  return el;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A select's options after its first empty one ("All …"), keeping the chosen value when still offered. */
export function setOptions(select: HTMLSelectElement, values: { value: string; label: string }[]): void {
  const current = select.value;
  const first = select.options[0]?.value === "" ? select.options[0] : null;
  select.replaceChildren(
    ...(first ? [first] : []),
    ...values.map((v) => h("option", { value: v.value }, v.label)),
  );
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}

/** A form field's trimmed value as a number; undefined when empty. */
export const numberIn = (id: string): number | undefined => {
  const v = byId<HTMLInputElement>(id).value.trim();
  return v === "" ? undefined : Number(v);
};
/** A form field's trimmed value; undefined when empty. */
export const textIn = (id: string): string | undefined =>
  byId<HTMLInputElement>(id).value.trim() || undefined;

export const fmt = new Intl.NumberFormat("en-US");
export const money = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 2,
});
export const time = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
export const mask = (v: string) => (v.startsWith("••") ? v : `••••••••${v.slice(-4)}`);

/** A status's tone (page.ts derives them from the kinds' lifecycles); one not listed is in progress. */
export const tone = (tones: Tones, status: string): Tone => tones[status] ?? "busy";
export const toneColor: Record<Tone, string> = {
  ok: "#1a7f37",
  busy: "#0969da",
  warn: "#9a6700",
  bad: "#cf222e",
  gone: "#6e7781",
};
export const badge = (tones: Tones, status: string) =>
  h("span", { class: `tone ${tone(tones, status)}` }, status);

export const kindLabel = {
  ChipCluster: "Chip cluster",
  ModelEndpoint: "Model endpoint",
  AgentRuntime: "Agent runtime",
} as const;
