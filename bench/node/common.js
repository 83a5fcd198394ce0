'use strict';
// What both Node peers share: the seeded map, the body schema (Fastify
// compiles it with Ajv; Express checks it by hand), and cluster start-up.

const cluster = require('node:cluster');

const SEED = 1000;
const people = new Map();
for (let id = 1; id <= SEED; id++) {
  people.set(id, {
    id,
    name: `Person ${id}`,
    email: `person${id}@example.com`,
    age: id % 100,
    address: { street: `${id} Main Street`, city: 'Springfield', country: 'US' },
    tags: ['bench', 'seed'],
  });
}

const address = {
  type: 'object',
  additionalProperties: false,
  required: ['street', 'city', 'country'],
  properties: {
    street: { type: 'string', minLength: 1, maxLength: 100 },
    city: { type: 'string', minLength: 1, maxLength: 60 },
    country: { type: 'string', minLength: 2, maxLength: 2 },
  },
};

const newPerson = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'email', 'age', 'address', 'tags'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    email: { type: 'string', format: 'email', maxLength: 254 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    address,
    tags: { type: 'array', maxItems: 10, items: { type: 'string', minLength: 1, maxLength: 30 } },
  },
};

const person = {
  type: 'object',
  required: ['id', 'name', 'email', 'age', 'address', 'tags'],
  properties: { id: { type: 'integer' }, ...newPerson.properties },
};

const message = { type: 'object', properties: { message: { type: 'string' } } };

// Runs `start(port)` in WORKERS (default 2) cluster workers sharing PORT; the
// primary stops them on SIGTERM or SIGINT.
function serve(start) {
  const port = Number(process.env.PORT || 8080);
  const workers = Number(process.env.WORKERS || 2);
  if (workers > 1 && cluster.isPrimary) {
    for (let i = 0; i < workers; i++) cluster.fork();
    const stop = () => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } else {
    start(port);
  }
}

module.exports = { people, newPerson, person, message, serve };
