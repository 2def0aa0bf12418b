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
      width: 'label',
      height: 'label',
      padding: '10px',
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
  return cytoscape({
    container,
    elements,
    style: STYLE,
    layout,
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    autoungrabify: false,
    boxSelectionEnabled: false,
  });
}
