/** Cytoscape set-up shared by the graph and route pages. */
import cytoscape from 'cytoscape';
import type { Core, ElementDefinition, LayoutOptions } from 'cytoscape';

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      'background-color': '#e8eef7',
      'border-color': '#4a6a94',
      'border-width': 2,
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-max-width': '180px',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': 12,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2328',
      shape: 'round-rectangle',
      // Sized from the label by drawGraph ('label' sizing is deprecated and sometimes measures 0).
      width: 'data(w)',
      height: 'data(h)',
    },
  },
  { selector: 'node.self', style: { 'background-color': '#dbeafe', 'border-color': '#1d4ed8', 'border-width': 3, 'font-weight': 'bold' } },
  { selector: 'node.payee', style: { 'background-color': '#dcfce7', 'border-color': '#15803d', 'border-width': 3 } },
  { selector: 'node.alarm', style: { 'border-color': '#cf222e', 'border-width': 4, 'border-style': 'double' } },
  { selector: 'node.unit', style: { shape: 'ellipse', 'background-color': '#fff7e6', 'border-color': '#9a6700' } },
  {
    selector: 'edge',
    style: {
      width: 2,
      'line-color': '#8c959f',
      'target-arrow-color': '#8c959f',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 11,
      'font-family': 'system-ui, sans-serif',
      'text-wrap': 'wrap',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.9,
      'text-background-padding': '2px',
      color: '#1f2328',
    },
  },
  { selector: 'edge.follow', style: { 'line-style': 'dashed', 'line-color': '#afb8c1', 'target-arrow-color': '#afb8c1', width: 1.5 } },
  { selector: 'edge.offer', style: { 'line-color': '#9a6700', 'target-arrow-color': '#9a6700', width: 2.5 } },
  { selector: 'edge.hop', style: { 'line-color': '#1d4ed8', 'target-arrow-color': '#1d4ed8', width: 3, 'text-margin-y': -14 } },
];

/** Draw `elements` into `container` (which must be attached and sized). */
export function drawGraph(container: HTMLElement, elements: ElementDefinition[], layout: LayoutOptions): Core {
  for (const el of elements) {
    if (el.data.source !== undefined) continue;
    const lines = String(el.data.label ?? '').split('\n');
    el.data.w = Math.min(200, Math.max(44, ...lines.map((l) => l.length * 6.8 + 22)));
    el.data.h = lines.length * 15 + 16;
  }
  return cytoscape({
    container,
    elements,
    style: STYLE,
    layout,
    minZoom: 0.2,
    maxZoom: 3,
    autoungrabify: false,
    boxSelectionEnabled: false,
  });
}
