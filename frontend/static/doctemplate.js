// The document template (#/document-template): placeholder.
import { h, replace } from './dom.js';

/** @param {HTMLElement} root */
export function mountDocumentTemplate(root) {
  replace(root, h('section', { class: 'staff-page' }, h('h1', null, 'Document template')));
  return () => {};
}
