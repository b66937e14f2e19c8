from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended floor (m=19 MiB, t=2, p=1).

    Django's default asks for p=8, which on a two-core server only adds
    latency without adding memory hardness per attacker guess.
    """

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
