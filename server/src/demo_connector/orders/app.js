// The demo Custom App "Orders": the demo customer's orders, from this app's
// own backend (which checks the desk's token), with buttons that put a
// sentence into the operator's compose box and push a card (or all orders
// as a carousel) to the visitor. Written against iAdvize's idzCpa API only.
'use strict';

const $ = (id) => document.getElementById(id);
const status = (text) => { $('status').textContent = text; };

function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) node.append(c);
  return node;
}

/** The card of an order (iAdvize's card shape: one LINK action at least). */
function card(order) {
  return {
    title: `Order #${order.id}`,
    text: `${order.title}: ${order.status}`,
    image: { url: order.image, description: order.title },
    actions: [{ type: 'LINK', title: 'View product', url: order.url }],
  };
}

/** The claims of a token, decoded (not verified: the backend does that). */
function claims(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part));
}

async function main() {
  let client;
  try {
    client = await window.idzCpa.init();
  } catch (e) {
    $('who').textContent = `Not in the desk: ${e.message}`;
    return;
  }
  const ctx = client.context;
  $('ctx').textContent = `Conversation ${ctx.conversationId} · ${ctx.channel} · ${ctx.language} · project ${ctx.projectId}`;
  document.body.dataset.conversation = ctx.conversationId;

  const jwt = await client.getJWT();
  const res = await fetch('api/orders', { headers: { Authorization: `Bearer ${jwt}` } });
  if (!res.ok) {
    $('who').textContent = `The orders backend refused the token (HTTP ${res.status}).`;
    return;
  }
  const data = await res.json();
  $('who').textContent = `Signed in as ${data.operator} (${data.email ?? 'no e-mail'}) · customer ${data.customer}`;
  const done = (what) => () => status(`${what}.`);
  const failed = (e) => status(`Failed: ${e.message}`);
  for (const order of data.orders) {
    const insert = el('button', { type: 'button', className: 'insert' }, 'Insert status');
    insert.addEventListener('click', () => {
      client.insertTextInComposeBox(`Your order #${order.id} (${order.title}) is ${order.status.toLowerCase()}.`)
        .then(done('Inserted'), failed);
    });
    const push = el('button', { type: 'button', className: 'push' }, 'Push card');
    push.addEventListener('click', () => {
      client.pushCardInConversationThread(card(order)).then(done(`Card of order #${order.id} pushed`), failed);
    });
    $('orders').append(el('li', { id: `order-${order.id}` },
      el('img', { src: order.image, alt: '' }),
      el('strong', {}, `#${order.id} · ${order.title}`),
      el('span', {}, `${order.status} · ${order.date}`),
      el('span', { className: 'buttons' }, insert, push)));
  }
  $('carousel').disabled = false;
  $('carousel').addEventListener('click', () => {
    client.pushCardBundleInConversationThread({ title: 'Your orders', cards: data.orders.map(card) })
      .then(done('Carousel pushed'), failed);
  });
  $('jwt').disabled = false;
  $('jwt').addEventListener('click', async () => {
    try {
      const fresh = await client.getJWT();
      $('claims').textContent = JSON.stringify(claims(fresh), null, 1);
      $('claims').dataset.jwt = fresh;
    } catch (e) {
      failed(e);
    }
  });
  document.body.dataset.ready = 'true';
}

main();
