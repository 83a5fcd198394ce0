'use strict';
// The benchmark's routes on Fastify, the way its docs recommend: JSON
// schemas for the body (validated by Ajv) and for responses (serialized by
// fast-json-stringify), in cluster mode (WORKERS, default 2). PORT sets the port.

const { people, newPerson, person, message, serve } = require('./common');

serve((port) => {
  const app = require('fastify')({ logger: false });
  let nextId = 1001;

  app.get('/plaintext', (request, reply) => {
    reply.type('text/plain').send('Hello, World!');
  });

  app.get('/json', { schema: { response: { 200: message } } }, async () => ({
    message: 'Hello, World!',
  }));

  app.post(
    '/people',
    { bodyLimit: 65536, schema: { body: newPerson, response: { 201: person } } },
    async (request, reply) => {
      reply.code(201);
      return { id: nextId++, ...request.body };
    },
  );

  app.get(
    '/people/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer' } } },
        response: { 200: person },
      },
    },
    async (request, reply) => {
      const found = people.get(request.params.id);
      if (!found) {
        reply.code(404);
        return { status: 404 };
      }
      return found;
    },
  );

  app.listen({ port, host: '127.0.0.1' }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});
