import { describe, expect, it } from 'vitest';
import { nextLink, parseLinkHeader } from '../../../../server/registry/link-header.js';

describe('parseLinkHeader', () => {
  it.each([
    ['a registry next link', '</v2/a/referrers/x?n=2&last=b>; rel="next"', [{ target: '/v2/a/referrers/x?n=2&last=b', rels: ['next'] }]],
    [
      "Harbor's joined prev and next links with commas inside the URL",
      '</api/v2.0/projects?page=1&page_size=2&q=labels=(1,2)>; rel="prev" , </api/v2.0/projects?page=3&page_size=2&q=labels=(1,2)>; rel="next"',
      [
        { target: '/api/v2.0/projects?page=1&page_size=2&q=labels=(1,2)', rels: ['prev'] },
        { target: '/api/v2.0/projects?page=3&page_size=2&q=labels=(1,2)', rels: ['next'] },
      ],
    ],
    ['an unquoted rel with several types', '<https://r.example/x>; title="t"; rel=next', [{ target: 'https://r.example/x', rels: ['next'] }]],
    ['no link at all', 'garbage', []],
  ])('should read %s', (_name, header, expected) => {
    expect(parseLinkHeader(header)).toEqual(expected);
  });
});

describe('nextLink', () => {
  const base = new URL('http://harbor.example/api/v2.0/projects?page=1');
  it('should resolve a relative next link against the request URL', () => {
    expect(nextLink('</api/v2.0/projects?page=2>; rel="next"', base)?.href).toBe('http://harbor.example/api/v2.0/projects?page=2');
  });
  it.each([undefined, '</x>; rel="prev"'])('should answer undefined when there is no next link in %j', (header) => {
    expect(nextLink(header, base)).toBeUndefined();
  });
});
