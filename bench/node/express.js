'use strict';
// The benchmark's routes on Express, written the usual way: express.json()
// and a hand-written check of the body, in cluster mode (WORKERS, default 2).
// PORT sets the port.

const { people, serve } = require('./common');

const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

function len(value, min, max) {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

// Every violation of the refinements bench.gati declares.
function validate(body) {
  const out = [];
  if (typeof body !== 'object' || body === null) return ['/'];
  if (!len(body.name, 1, 100)) out.push('/name');
  if (!len(body.email, 0, 254) || !EMAIL.test(body.email)) out.push('/email');
  if (!Number.isInteger(body.age) || body.age < 0 || body.age > 150) out.push('/age');
  const a = body.address;
  if (typeof a !== 'object' || a === null) out.push('/address');
  else {
    if (!len(a.street, 1, 100)) out.push('/address/street');
    if (!len(a.city, 1, 60)) out.push('/address/city');
    if (!len(a.country, 2, 2)) out.push('/address/country');
  }
  if (!Array.isArray(body.tags) || body.tags.length > 10) out.push('/tags');
  else body.tags.forEach((tag, i) => len(tag, 1, 30) || out.push(`/tags/${i}`));
  return out;
}

serve((port) => {
  const express = require('express');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  let nextId = 1001;

  app.get('/plaintext', (req, res) => {
    res.type('text/plain').send('Hello, World!');
  });

  app.get('/json', (req, res) => {
    res.json({ message: 'Hello, World!' });
  });

  app.post('/people', express.json({ limit: '64kb' }), (req, res) => {
    const violations = validate(req.body);
    if (violations.length > 0) {
      res.status(422).json({ status: 422, violations });
      return;
    }
    const { name, email, age, address, tags } = req.body;
    res.status(201).json({ id: nextId++, name, email, age, address, tags });
  });

  app.get('/people/:id', (req, res) => {
    const found = people.get(Number(req.params.id));
    if (!found) {
      res.status(404).json({ status: 404 });
      return;
    }
    res.json(found);
  });

  app.listen(port, '127.0.0.1');
});
