"""The Django REST framework views of tests/integrations/test_drf.py: the paths of
_frameworks.py, and what DRF itself raises (validation, parsing, authentication,
throttling)."""

from __future__ import annotations

from typing import Any

from _frameworks import SECRET, OutOfStock, problem
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from asgi_problems import PaymentRequired


class OrderUnpaid(PaymentRequired):
    """The account's credit does not cover the order."""

    type = "https://api.example.com/problems/order-unpaid"
    balance: int


class Ok(APIView):
    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def raising(make: Any, **schema: Any) -> Any:
    class Raising(APIView):
        @extend_schema(**schema)
        def get(self, request: Request) -> Response:
            raise make()

    return Raising.as_view()


class User:
    is_authenticated = True


class BearerAuth(BaseAuthentication):
    """A bearer token: "good" passes, any other fails, none leaves the request anonymous."""

    def authenticate(self, request: Request) -> Any:
        token = request.headers.get("Authorization")
        if token is None:
            return None
        if token != "Bearer good":
            raise exceptions.AuthenticationFailed("That token has expired.")
        return (User(), token)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class Private(APIView):
    authentication_classes = (BearerAuth,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class NoScheme(Private):
    """An authenticator that names no scheme: DRF answers a 403 instead of a 401."""

    class Anonymous(BaseAuthentication):
        def authenticate(self, request: Request) -> Any:
            return None

    authentication_classes = (Anonymous,)


class Throttle(BaseThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        return False

    def wait(self) -> float:
        return 2.5


class Throttled(Ok):
    throttle_classes = (Throttle,)


class Address(serializers.Serializer[Any]):
    city = serializers.CharField()


class Line(serializers.Serializer[Any]):
    sku = serializers.CharField(max_length=8)
    quantity = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.Serializer[Any]):
    n = serializers.IntegerField()
    colour = serializers.ChoiceField(choices=["red", "blue"], required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    lines = Line(many=True, required=False)
    address = Address(required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("n") == 0:
            raise serializers.ValidationError("An order of nothing is no order.")
        return data


class Orders(APIView):
    @extend_schema(request=OrderSerializer, responses={201: OrderSerializer})
    def post(self, request: Request) -> Response:
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class Notes(APIView):
    def post(self, request: Request) -> Response:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO notes (text) VALUES (%s)", [request.data["text"]])
        raise serializers.ValidationError({"text": ["Too short."]})


class Thing(APIView):
    @extend_schema(responses={200: OrderSerializer, 402: OrderUnpaid})
    def get(self, request: Request, pk: int) -> Response:
        if pk == 2:
            raise OrderUnpaid("Order 2 needs 30 more.", balance=5)
        raise exceptions.NotFound()


urlpatterns = [
    path("ok", Ok.as_view()),
    path("problem", raising(problem)),
    path("native", raising(lambda: exceptions.NotFound("No user 42"))),
    path("django-404", raising(lambda: Http404("No user 42"))),
    path("auth", Private.as_view()),
    path("no-scheme", NoScheme.as_view()),
    path("throttled", Throttled.as_view()),
    path("crash", raising(lambda: KeyError(SECRET))),
    path("mapped", raising(OutOfStock)),
    path("orders", Orders.as_view()),
    path("notes", Notes.as_view()),
    path("things/<int:pk>", Thing.as_view()),
]
