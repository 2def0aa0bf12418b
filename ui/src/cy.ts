/** Cytoscape set-up shared by the graph and route pages. */
import cytoscape from 'cytoscape';
import type { Core, ElementDefinition, LayoutOptions } from 'cytoscape';
import { wrap } from './labels.ts';

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      'background-color': '#e8eef7',
      'border-color': '#4a6a94',
      'border-width': 2,
      label: 'data(label)',
      // drawGraph breaks the lines itself and sizes the box to them: cytoscape only breaks at \n.
      'text-wrap': 'wrap',
      'text-max-width': '1000px',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': 12,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2328',
      shape: 'round-rectangle',
      'z-index-compare': 'manual',
      'z-index': 1,
      // Sized from the label by drawGraph ('label' sizing is deprecated and sometimes measures 0).
      width: 'data(w)',
      height: 'data(h)',
    },
  },
  {
    selector: 'node.self',
    style: { 'background-color': '#dbeafe', 'border-color': '#1d4ed8', 'border-width': 3, 'font-weight': 'bold' },
  },
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
  {
    selector: 'edge.follow',
    style: { 'line-style': 'dashed', 'line-color': '#afb8c1', 'target-arrow-color': '#afb8c1', width: 1.5 },
  },
  // Offer and hop labels are drawn above the boxes: a long label is never clipped under a node.
  {
    selector: 'edge.offer',
    style: {
      'line-color': '#9a6700',
      'target-arrow-color': '#9a6700',
      width: 2.5,
      'z-index-compare': 'manual',
      'z-index': 2,
    },
  },
  {
    selector: 'edge.hop',
    style: {
      'line-color': '#1d4ed8',
      'target-arrow-color': '#1d4ed8',
      width: 3,
      'text-margin-y': -14,
      'z-index-compare': 'manual',
      'z-index': 2,
    },
  },
];

/** Widest character of the 12px label font, over-estimated so a label never spills out of its box. */
const CHAR_PX = 7.4;
/** The largest zoom a first draw fits a graph to. */
const FIT_ZOOM_MAX = 1.25;
/** Longest line of a node label before it wraps. */
const NODE_CHARS = 34;

/** Draw `elements` into `container` (which must be attached and sized). */
export function drawGraph(container: HTMLElement, elements: ElementDefinition[], layout: LayoutOptions): Core {
  for (const el of elements) {
    if (el.data.source !== undefined) continue;
    const lines = String(el.data.label ?? '')
      .split('\n')
      .flatMap((l) => wrap(l, NODE_CHARS));
    el.data.label = lines.join('\n');
    el.data.w = Math.max(44, ...lines.map((l) => l.length * CHAR_PX + 24));
    el.data.h = lines.length * 16 + 18;
  }
  const cy = cytoscape({
    container,
    elements,
    style: STYLE,
    layout,
    minZoom: 0.2,
    maxZoom: 3,
    autoungrabify: false,
    boxSelectionEnabled: false,
  });
  // Fitting a small graph (you alone, a two-node route) blows its labels up to three times their
  // size: no more than FIT_ZOOM_MAX on first draw (the user may still zoom in).
  if (cy.zoom() > FIT_ZOOM_MAX) {
    cy.zoom(FIT_ZOOM_MAX);
    cy.center();
  }
  container.dataset.zoom = cy.zoom().toFixed(2);
  return cy;
}
